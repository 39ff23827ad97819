/** Realistic, varied names for demo data (first names by region, so teachers fit their language). */
export const FIRST_NAMES: Record<string, readonly string[]> = {
  Spanish: ['Lucía', 'Mateo', 'Sofía', 'Diego', 'Valentina', 'Javier', 'Camila', 'Alejandro', 'Isabel', 'Pablo'],
  French: ['Camille', 'Louis', 'Chloé', 'Hugo', 'Léa', 'Théo', 'Manon', 'Antoine', 'Inès', 'Julien'],
  German: ['Lena', 'Jonas', 'Mia', 'Felix', 'Hannah', 'Lukas', 'Emma', 'Maximilian', 'Clara', 'Niklas'],
  Italian: ['Giulia', 'Lorenzo', 'Chiara', 'Matteo', 'Francesca', 'Alessandro', 'Sara', 'Davide', 'Elena', 'Marco'],
  Portuguese: ['Beatriz', 'João', 'Mariana', 'Pedro', 'Ana', 'Tiago', 'Inês', 'Rafael', 'Carolina', 'Gabriel'],
  Japanese: ['Yuki', 'Haruto', 'Sakura', 'Ren', 'Aoi', 'Sota', 'Hina', 'Takumi', 'Mei', 'Kenji'],
  Korean: ['Ji-woo', 'Min-jun', 'Seo-yeon', 'Do-yun', 'Ha-eun', 'Ji-ho', 'Soo-ah', 'Hyun-woo', 'Yuna', 'Tae-yang'],
  Mandarin: ['Wei', 'Li Na', 'Jun', 'Mei Ling', 'Hao', 'Xiao Yu', 'Lei', 'Ying', 'Chen', 'Fang'],
  English: ['Olivia', 'James', 'Amelia', 'Oliver', 'Charlotte', 'Harry', 'Grace', 'Jack', 'Emily', 'Thomas'],
  Arabic: ['Layla', 'Omar', 'Nour', 'Yusuf', 'Amira', 'Karim', 'Salma', 'Hassan', 'Yasmin', 'Tariq'],
  Russian: ['Anastasia', 'Dmitri', 'Ekaterina', 'Ivan', 'Olga', 'Mikhail', 'Natalia', 'Sergei', 'Tatiana', 'Alexei'],
};

export const LAST_NAMES: Record<string, readonly string[]> = {
  Spanish: ['García', 'Martínez', 'López', 'Hernández', 'Romero', 'Navarro', 'Torres', 'Ruiz'],
  French: ['Martin', 'Bernard', 'Dubois', 'Moreau', 'Laurent', 'Lefèvre', 'Girard', 'Roux'],
  German: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Becker', 'Hoffmann', 'Wagner'],
  Italian: ['Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', 'Colombo', 'Ricci'],
  Portuguese: ['Silva', 'Santos', 'Ferreira', 'Pereira', 'Oliveira', 'Costa', 'Rodrigues', 'Almeida'],
  Japanese: ['Sato', 'Suzuki', 'Takahashi', 'Tanaka', 'Watanabe', 'Ito', 'Yamamoto', 'Nakamura'],
  Korean: ['Kim', 'Lee', 'Park', 'Choi', 'Jung', 'Kang', 'Cho', 'Yoon'],
  Mandarin: ['Wang', 'Li', 'Zhang', 'Liu', 'Chen', 'Yang', 'Huang', 'Zhao'],
  English: ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Evans', 'Walker'],
  Arabic: ['Haddad', 'Nasser', 'Khalil', 'Mansour', 'Saleh', 'Farouk', 'Aziz', 'Hamdan'],
  Russian: ['Ivanova', 'Petrov', 'Smirnova', 'Volkov', 'Sokolova', 'Kuznetsov', 'Popova', 'Morozov'],
};

export const LANGUAGE_TIMEZONES: Record<string, readonly string[]> = {
  Spanish: ['Europe/Madrid', 'America/Mexico_City', 'America/Bogota', 'America/Argentina/Buenos_Aires'],
  French: ['Europe/Paris', 'America/Montreal', 'Europe/Brussels'],
  German: ['Europe/Berlin', 'Europe/Vienna', 'Europe/Zurich'],
  Italian: ['Europe/Rome'],
  Portuguese: ['Europe/Lisbon', 'America/Sao_Paulo'],
  Japanese: ['Asia/Tokyo'],
  Korean: ['Asia/Seoul'],
  Mandarin: ['Asia/Shanghai', 'Asia/Taipei', 'Asia/Singapore'],
  English: ['Europe/London', 'America/New_York', 'America/Chicago', 'Australia/Sydney', 'America/Toronto'],
  Arabic: ['Asia/Dubai', 'Africa/Cairo', 'Asia/Amman'],
  Russian: ['Europe/Moscow'],
};

export const GIG_TITLES: readonly string[] = [
  'Conversation practice',
  'Beginner foundations',
  'Business {lang}',
  'Exam preparation',
  'Grammar clinic',
  'Pronunciation coaching',
  '{lang} for travellers',
  'Reading and writing',
];
